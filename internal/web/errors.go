package web

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/stewardhq/steward/internal/apperr"
)

// status maps an application error code to its HTTP status. This is the one
// place the mapping lives.
func status(code apperr.Code) int {
	switch code {
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict, apperr.Deadline:
		return http.StatusConflict
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.TooMany:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// apiError turns any error into an RFC 9457 problem for huma. Internal
// causes are logged by the caller and never sent.
func (s *Server) apiError(ctx context.Context, opID string, err error) error {
	code := apperr.CodeOf(err)
	st := status(code)
	if st >= 500 {
		s.log.ErrorContext(ctx, "api request failed", "operation", opID, "err", err)
	}
	return huma.NewError(st, apperr.MessageOf(err))
}

// writeProblem writes a problem document outside huma (unknown API routes,
// auth failures before an operation runs).
func writeProblem(w http.ResponseWriter, st int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(st)
	_ = json.NewEncoder(w).Encode(huma.ErrorModel{Title: http.StatusText(st), Status: st, Detail: detail})
}
