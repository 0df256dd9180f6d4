// Package docs holds the test that keeps DIRECTIVES.md complete: every
// registered directive documented, nothing documented that does not exist.
package docs
