package web

import (
	"net/http"
	"net/url"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/rights"
)

// rightsLetterPageRoutes are the DPO's forms for letters and for
// restriction through a request.
func (s *Server) rightsLetterPageRoutes() []route {
	m := access.PermRightsManage
	return []route{
		{"POST /requests/{id}/letter", m, s.requestLetter},
		{"POST /requests/{id}/restrict", m, s.requestRestrict},
		{"POST /requests/{id}/plan-lift", m, s.requestPlanLift},
		{"POST /requests/{id}/lift", m, s.requestLift},
	}
}

// letterOptions lists the letters the DPO may make.
func letterOptions() []option {
	var out []option
	for _, k := range rights.LetterKinds() {
		out = append(out, option{string(k), k.Label()})
	}
	return out
}

// requestLetter makes a letter from the request as it stands and sends it
// as a download; it is kept as made.
func (s *Server) requestLetter(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	l, body, err := s.rights.MakeLetter(r.Context(), id, rights.LetterKind(f.Get("kind")))
	if err != nil {
		return s.requestFormError(w, r, id, "letter", err)
	}
	sendAttachment(w, l.FileName, body)
	return nil
}

func (s *Server) requestRestrict(w http.ResponseWriter, r *http.Request) error {
	return s.requestChange(w, r, "restrict", func(id string, f url.Values, version int64) error {
		_, err := s.rights.Restrict(r.Context(), id, f.Get("reason"), version)
		return err
	})
}

func (s *Server) requestPlanLift(w http.ResponseWriter, r *http.Request) error {
	return s.requestChange(w, r, "restrict", func(id string, f url.Values, version int64) error {
		_, err := s.rights.PlanLift(r.Context(), id, f.Get("reason"), version)
		return err
	})
}

func (s *Server) requestLift(w http.ResponseWriter, r *http.Request) error {
	return s.requestChange(w, r, "restrict", func(id string, _ url.Values, version int64) error {
		_, err := s.rights.Lift(r.Context(), id, version)
		return err
	})
}
