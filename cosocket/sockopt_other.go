//go:build !unix

package cosocket

import (
	"fmt"
	"net"

	"github.com/goresty/goresty/internal/edgepoll"
)

// fdOps has no non-blocking calls on this system: idle connections are
// taken as alive and every write may wait.
type fdOps struct{}

func newFDOps(net.Conn) *fdOps { return nil }

func (*fdOps) alive() bool { return true }

func (*fdOps) waiter() *edgepoll.Waiter { return nil }

func (*fdOps) closeConn(c net.Conn) error { return c.Close() }

func (*fdOps) tryWrite([]byte) (int, error) { return 0, nil }

func setSockopt(_ net.Conn, name string, _ int) error {
	return fmt.Errorf("cosocket: option %q is not supported by goresty on this system", name)
}

func getSockopt(_ net.Conn, name string) (int, error) {
	return 0, fmt.Errorf("cosocket: option %q is not supported by goresty on this system", name)
}
