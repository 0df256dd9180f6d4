// Package examples holds the tests that boot every example folder and
// replay the requests its README shows.
package examples
