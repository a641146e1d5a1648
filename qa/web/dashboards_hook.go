package web

import (
	"net/http"

	"github.com/ccqa/ccqa/qa"
)

// SignedInUser returns the user signed in with the request's session cookie, or nil when there
// is none or it has expired.
//
// HOOK for the dashboards (issue 7): it is how apps that `ccqa serve` mounts beside /qa/ (the
// dashboards at /dashboards/) share this app's sign-in and roles instead of keeping sessions of
// their own; it reads the session exactly as the QA pages do and changes nothing. The session
// cookie has Path=/, so the browser sends it to /dashboards/ too.
func (s *Server) SignedInUser(r *http.Request) *qa.User {
	_, sess := s.sessionOf(r)
	if sess == nil {
		return nil
	}
	return sess.user
}
