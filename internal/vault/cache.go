package vault

import (
	"container/list"
	"sync"
	"time"
)

// dekCache keeps recently used unwrapped DEKs, bounded in size (LRU) and in
// age, so a busy page does not unwrap the same key per field while a key
// shredded by another app server stops being served within the TTL.
type dekCache struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	clock func() time.Time
	ll    *list.List // front is most recently used
	m     map[string]*list.Element
	// gen changes on every eviction. A loader notes it before reading the
	// key store and caches its result only if it is unchanged, so a key
	// read just before a shred cannot be cached just after it.
	gen uint64
}

type cacheEntry struct {
	id     string
	key    *SubjectKey
	expiry time.Time
}

func newDEKCache(max int, ttl time.Duration, clock func() time.Time) *dekCache {
	return &dekCache{max: max, ttl: ttl, clock: clock, ll: list.New(), m: make(map[string]*list.Element)}
}

func (c *dekCache) get(id string) (*SubjectKey, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok {
		return nil, c.gen
	}
	ent := e.Value.(*cacheEntry)
	if c.clock().After(ent.expiry) {
		c.ll.Remove(e)
		delete(c.m, id)
		return nil, c.gen
	}
	c.ll.MoveToFront(e)
	return ent.key, c.gen
}

func (c *dekCache) put(id string, k *SubjectKey, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	expiry := c.clock().Add(c.ttl)
	if e, ok := c.m[id]; ok {
		e.Value = &cacheEntry{id: id, key: k, expiry: expiry}
		c.ll.MoveToFront(e)
		return
	}
	c.m[id] = c.ll.PushFront(&cacheEntry{id: id, key: k, expiry: expiry})
	for c.ll.Len() > c.max {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.m, last.Value.(*cacheEntry).id)
	}
}

func (c *dekCache) evict(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if e, ok := c.m[id]; ok {
		c.ll.Remove(e)
		delete(c.m, id)
	}
}

func (c *dekCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.ll.Init()
	clear(c.m)
}

func (c *dekCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
