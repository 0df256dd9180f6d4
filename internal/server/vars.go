package server

import (
	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/phases"
)

func init() {
	// $request_filename: the file the URI maps to under root or alias
	phases.RegisterVar("request_filename", func(r *phases.Request) (string, bool) {
		loc, ok := r.Loc.(*config.Location)
		if !ok || loc.Root == nil {
			return "", false
		}
		return filePath(r, loc, r.URI), true
	})
}
