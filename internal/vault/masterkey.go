package vault

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

const (
	// keyFileHeader versions the file format so a later format (a KMS
	// reference, say) is recognised rather than misread.
	keyFileHeader = "steward-master-key-v1"
	keySize       = 32
	// encodedKeyLen is the padded standard base64 length of keySize bytes.
	encodedKeyLen = (keySize + 2) / 3 * 4
	// maxKeyFileSize stops a wrong path (a log file, a device) from being
	// read whole before it is rejected.
	maxKeyFileSize = 1024
)

// errKeyFormat marks a key file whose content is not a master key; the
// message says what was wrong but never echoes the content.
var errKeyFormat = errors.New("not a Steward master key")

// formatMasterKey renders key as the one-line file content.
func formatMasterKey(key []byte) []byte {
	out := make([]byte, 0, len(keyFileHeader)+1+encodedKeyLen+1)
	out = append(out, keyFileHeader...)
	out = append(out, ' ')
	out = base64.StdEncoding.AppendEncode(out, key)
	return append(out, '\n')
}

// parseMasterKey accepts exactly `steward-master-key-v1 <base64>` with an
// optional final newline. It is strict on purpose: a key that was mangled by
// an editor or a copy-paste must be noticed now, not when a decryption fails.
func parseMasterKey(data []byte) ([]byte, error) {
	s := string(data)
	if len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	head, b64, ok := cutByte(s, ' ')
	if !ok || head != keyFileHeader {
		return nil, fmt.Errorf("%w: the file must start with %q and a space", errKeyFormat, keyFileHeader)
	}
	if len(b64) != encodedKeyLen {
		return nil, fmt.Errorf("%w: expected %d base64 characters after the header, found %d", errKeyFormat, encodedKeyLen, len(b64))
	}
	// The decoder silently skips '\r' and '\n', so check the alphabet
	// first to keep the format canonical.
	for i := 0; i < len(b64); i++ {
		if !isBase64Char(b64[i]) {
			return nil, fmt.Errorf("%w: character %d of the key is not base64 (a stray space, CR or line break?)", errKeyFormat, i+1)
		}
	}
	key, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(key) != keySize {
		return nil, fmt.Errorf("%w: the key is not %d bytes of standard base64", errKeyFormat, keySize)
	}
	return key, nil
}

func cutByte(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func isBase64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}

// newRawKey returns keySize bytes from the system's CSPRNG.
func newRawKey() []byte {
	k := make([]byte, keySize)
	_, _ = rand.Read(k) // never fails since Go 1.24: it crashes the program instead
	return k
}

// readKeyFile reads and parses a master key file. It also reports the file
// mode so the caller can warn about loose permissions.
func readKeyFile(path string) ([]byte, fs.FileMode, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%w: %s is not a regular file", errKeyFormat, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, 0, err
	}
	if len(data) > maxKeyFileSize {
		return nil, 0, fmt.Errorf("%w: the file is larger than %d bytes", errKeyFormat, maxKeyFileSize)
	}
	key, err := parseMasterKey(data)
	return key, st.Mode().Perm(), err
}

// writeKeyFile writes key to path atomically: a temporary file in the same
// directory, fsynced, then moved into place, then the directory fsynced, so
// a crash leaves either no file or a complete one. With noClobber it never
// replaces an existing file (a hard link fails if the name exists), which is
// what stops Init from writing a fresh key over one that protects data.
func writeKeyFile(path string, key []byte, noClobber bool) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create directory %s for the master key: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create the master key file in %s: %w", dir, err)
	}
	tmpName := tmp.Name()
	defer func() {
		// After a successful link the temporary name is still there; after
		// a rename it is gone and Remove fails harmlessly.
		_ = os.Remove(tmpName)
	}()
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("restrict %s to mode 0600: %w", tmpName, err)
	}
	if _, err := tmp.Write(formatMasterKey(key)); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmpName, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("fsync %s: %w", tmpName, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmpName, err)
	}
	if noClobber {
		if err := os.Link(tmpName, path); err != nil {
			return fmt.Errorf("put the master key in place at %s: %w", path, err)
		}
	} else if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("put the master key in place at %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes a rename or unlink in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}
