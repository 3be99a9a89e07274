package web

import (
	"sync"
	"time"
)

// formOnce remembers, for a while, the forms already acted on, by the
// random nonce each form carries, so that a browser re-sending a form
// (reload, back and submit again) does not do it twice. Making a member
// list is the case: a second submission would make a second recorded list
// with a second password.
type formOnce struct {
	mu   sync.Mutex
	seen map[string]time.Time // account + nonce -> when it expires
	ttl  time.Duration
	max  int
}

func newFormOnce() *formOnce {
	return &formOnce{seen: map[string]time.Time{}, ttl: time.Hour, max: 100_000}
}

// reserve claims account's nonce and reports whether it was free. A
// request that then fails gives it back with release, so that the person
// can correct the form and send it again.
func (f *formOnce) reserve(account, nonce string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := account + "\x00" + nonce
	if until, ok := f.seen[key]; ok && now.Before(until) {
		return false
	}
	if len(f.seen) >= f.max {
		for k, until := range f.seen {
			if !now.Before(until) {
				delete(f.seen, k)
			}
		}
		if len(f.seen) >= f.max {
			// Every entry is live: forgetting them all only allows a
			// repeat, which is what happened before this guard existed.
			clear(f.seen)
		}
	}
	f.seen[key] = now.Add(f.ttl)
	return true
}

// release gives back a nonce whose request failed.
func (f *formOnce) release(account, nonce string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.seen, account+"\x00"+nonce)
}
