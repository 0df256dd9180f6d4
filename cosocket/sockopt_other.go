//go:build !unix

package cosocket

import (
	"fmt"
	"net"
)

func alive(net.Conn) bool { return true }

func setSockopt(_ net.Conn, name string, _ int) error {
	return fmt.Errorf("cosocket: option %q is not supported by goresty on this system", name)
}

func getSockopt(_ net.Conn, name string) (int, error) {
	return 0, fmt.Errorf("cosocket: option %q is not supported by goresty on this system", name)
}
