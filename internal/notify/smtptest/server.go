// Package smtptest is a small, real SMTP server for tests: it listens on a
// loopback port, speaks enough SMTP for a client (EHLO or HELO, MAIL,
// RCPT, DATA, RSET, NOOP, QUIT), keeps every message it accepts, and can
// refuse deliveries to exercise retries and permanent failures. Only tests
// import it.
package smtptest

import (
	"bufio"
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
)

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Server is a running test SMTP server.
type Server struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []Message
	// failTemp deliveries left to refuse with a temporary error (451).
	failTemp int
	// failPerm refuses every delivery with a permanent error (550).
	failPerm bool
	wg       sync.WaitGroup
}

// Start listens on a loopback port until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s := &Server{ln: ln}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the smtp:// URL of the server, for STEWARD_SMTP_URL.
func (s *Server) URL() string { return "smtp://" + s.Addr() }

// FailNext makes the next n deliveries fail with a temporary error.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failTemp = n
}

// FailAlways makes every delivery fail permanently (on), or not (off).
func (s *Server) FailAlways(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failPerm = on
}

// Messages returns a copy of what was accepted, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.session(c)
		}()
	}
}

// refusal says how a delivery starting now is refused, if it is.
func (s *Server) refusal() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failPerm {
		return "550 5.7.1 delivery refused by the test server"
	}
	if s.failTemp > 0 {
		s.failTemp--
		return "451 4.3.0 try again later"
	}
	return ""
}

func (s *Server) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	say := func(line string) bool {
		w.WriteString(line + "\r\n")
		return w.Flush() == nil
	}
	if !say("220 smtptest ready") {
		return
	}
	var cur *Message
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			say("250-smtptest")
			say("250-8BITMIME")
			say("250 SMTPUTF8")
		case "HELO":
			say("250 smtptest")
		case "MAIL":
			if why := s.refusal(); why != "" {
				say(why)
				continue
			}
			cur = &Message{From: addrOf(arg)}
			say("250 2.1.0 ok")
		case "RCPT":
			if cur == nil {
				say("503 5.5.1 MAIL first")
				continue
			}
			cur.To = append(cur.To, addrOf(arg))
			say("250 2.1.5 ok")
		case "DATA":
			if cur == nil || len(cur.To) == 0 {
				say("503 5.5.1 RCPT first")
				continue
			}
			say("354 end with <CRLF>.<CRLF>")
			var data bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
				if strings.HasPrefix(l, ".") {
					l = l[1:]
				}
				data.WriteString(l)
			}
			cur.Data = data.Bytes()
			s.mu.Lock()
			s.msgs = append(s.msgs, *cur)
			s.mu.Unlock()
			cur = nil
			say("250 2.0.0 queued")
		case "RSET":
			cur = nil
			say("250 2.0.0 ok")
		case "NOOP":
			say("250 2.0.0 ok")
		case "QUIT":
			say("221 2.0.0 bye")
			return
		default:
			say("502 5.5.2 command not implemented")
		}
	}
}

// addrOf takes the address out of "FROM:<a@b> SIZE=1" or "TO:<a@b>".
func addrOf(arg string) string {
	if i := strings.IndexByte(arg, '<'); i >= 0 {
		if j := strings.IndexByte(arg[i:], '>'); j >= 0 {
			return arg[i+1 : i+j]
		}
	}
	_, v, _ := strings.Cut(arg, ":")
	return strings.TrimSpace(v)
}
