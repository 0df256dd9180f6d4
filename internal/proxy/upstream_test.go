package proxy

import (
	"testing"
	"time"
)

func TestPickNoLiveUntilFailTimeout(t *testing.T) {
	u := newUpstream("u")
	for _, a := range []string{"127.0.0.1:1", "127.0.0.2:1"} {
		u.addPeer(&peer{addr: a, weight: 1, maxFails: 1, failTimeout: 10 * time.Second}, false)
	}
	now := time.Now()
	for _, p := range u.peers {
		if !u.fail(p, now) {
			t.Fatalf("fail(%s) did not take it out", p.addr)
		}
	}
	for i, at := range []time.Duration{0, time.Second, 5 * time.Second} {
		if p, _ := u.pick(0, now.Add(at)); p != nil {
			t.Fatalf("pick %d at +%v: got %s, want none before fail_timeout", i, at, p.addr)
		}
	}
	if p, _ := u.pick(0, now.Add(11*time.Second)); p == nil {
		t.Fatal("pick after fail_timeout: got none, want a server on trial")
	}
}
