package audit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
)

// CanonicalBytes writes the exact bytes Verify hashes, event after event in
// seq order (each event's prev hash then its canonical encoding), and
// returns how many. It exists so that verification speed can be compared
// with a plain SHA-256 over the same bytes (sha256sum).
func (l *Log) CanonicalBytes(ctx context.Context, w io.Writer) (int64, error) {
	s, err := l.scanRange(ctx, math.MinInt64, math.MaxInt64)
	if err != nil {
		return 0, err
	}
	defer s.close()
	bw := bufio.NewWriterSize(w, 1<<16)
	buf := make([]byte, 0, 512)
	var n int64
	for {
		ok, err := s.next()
		if err != nil {
			return n, err
		}
		if !ok {
			break
		}
		buf = s.r.hashInput(buf[:0], s.prev)
		m, err := bw.Write(buf)
		n += int64(m)
		if err != nil {
			return n, fmt.Errorf("write canonical audit bytes: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("write canonical audit bytes: %w", err)
	}
	return n, nil
}
