package consent

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
)

// Links to the preference centre and one-click unsubscribe links carry a
// token instead of anything about the person: a random nonce, then, sealed
// with AES-256-GCM under a key derived from the vault's system key, the
// link's kind, its expiry, the purpose (for an unsubscribe link) and the
// person's id, all base64url. It reveals nothing, cannot be altered
// without failing to open, and stops working when it expires. Nothing is
// stored: a new link can be made at any time, and old ones expire.

const (
	linkVersion     = 1
	linkPreferences = 'p'
	linkUnsubscribe = 'u'
	// linkPreferencesLift is a preference link made by the DPO: through
	// it the person may also lift their objection to marketing.
	linkPreferencesLift = 'P'
	linkAD              = "steward/consent-link/v1"
)

// link is an opened token.
type link struct {
	kind      byte
	expires   time.Time
	purpose   string
	subjectID string
	// lift: a preference link made by someone who may lift an objection
	// to marketing (the DPO). A link made by a rep, who holds it too,
	// cannot restart marketing to someone who objected.
	lift bool
}

// noLiftKey marks a context acting through a preference link that cannot
// lift an objection (see link.lift).
type noLiftKey struct{}

func (s *Service) aead() cipher.AEAD {
	b, err := aes.NewCipher(s.tokenKey)
	if err != nil {
		panic("consent: link key: " + err.Error()) // a 32-byte key never fails
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		panic("consent: link key: " + err.Error())
	}
	return g
}

func (s *Service) seal(l link) string {
	kind := l.kind
	if kind == linkPreferences && l.lift {
		kind = linkPreferencesLift
	}
	plain := []byte{linkVersion, kind}
	plain = binary.BigEndian.AppendUint64(plain, uint64(l.expires.Unix()))
	plain = append(plain, byte(len(l.purpose)))
	plain = append(plain, l.purpose...)
	plain = append(plain, l.subjectID...)
	g := s.aead()
	nonce := make([]byte, g.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(g.Seal(nonce, nonce, plain, []byte(linkAD)))
}

// Link errors: what the person is told, and how to get a new link.
var (
	errLinkInvalid = apperr.New(apperr.NotFound, "This link is not valid: it may have been copied incompletely or changed. Ask the organisation for a new link to your preferences, or reply to any message from them.")
	errLinkExpired = apperr.New(apperr.NotFound, "This link has expired: links to your preferences work for a limited time so that an old message cannot be used by someone else. Ask the organisation for a new link, or use the link in a recent message from them.")
)

// LinkExpired reports whether err is an expired link's error (the page
// says so differently from a broken one).
func LinkExpired(err error) bool { return err == errLinkExpired }

// open opens a token, checking it was made here, is of the kind and has
// not expired.
func (s *Service) open(token string, kind byte) (link, error) {
	if len(token) > 512 {
		return link{}, errLinkInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	g := s.aead()
	if err != nil || len(raw) < g.NonceSize()+g.Overhead() {
		return link{}, errLinkInvalid
	}
	plain, err := g.Open(nil, raw[:g.NonceSize()], raw[g.NonceSize():], []byte(linkAD))
	if err != nil || len(plain) < 11 || plain[0] != linkVersion {
		return link{}, errLinkInvalid
	}
	got, lift := plain[1], false
	if got == linkPreferencesLift {
		got, lift = linkPreferences, true
	}
	if got != kind {
		return link{}, errLinkInvalid
	}
	l := link{kind: kind, lift: lift, expires: time.Unix(int64(binary.BigEndian.Uint64(plain[2:10])), 0).UTC()}
	n := int(plain[10])
	if len(plain) < 11+n {
		return link{}, errLinkInvalid
	}
	l.purpose, l.subjectID = string(plain[11:11+n]), string(plain[11+n:])
	if !store.ValidID(l.subjectID) {
		return link{}, errLinkInvalid
	}
	if !s.db.Now().Before(l.expires) {
		return link{}, errLinkExpired
	}
	return l, nil
}

// mint makes a link for someone the actor may make lists for or record
// consents of.
func (s *Service) mint(ctx context.Context, subjectID string, kind byte, purpose string) (string, error) {
	return s.mintWith(ctx, listPerms, subjectID, kind, purpose)
}

// mintWith makes a link for someone the actor holds one of perms for.
func (s *Service) mintWith(ctx context.Context, perms []access.Permission, subjectID string, kind byte, purpose string) (string, error) {
	a, err := requireAny(ctx, perms)
	if err != nil {
		return "", err
	}
	p, err := s.person(ctx, a, perms, subjectID)
	if err != nil {
		return "", err
	}
	life := s.cfg.LinkLifetime
	if kind == linkUnsubscribe {
		life = s.cfg.UnsubscribeLifetime
	}
	lift := kind == linkPreferences && a.CanIn(access.PermRightsManage, p.UnitPath)
	return s.seal(link{kind: kind, lift: lift, expires: s.db.Now().Add(life), purpose: purpose, subjectID: p.ID}), nil
}

// PreferenceToken makes the token of a person's link to the preference
// centre (/preferences/{token}), for letters and messages. Whoever holds
// the link can act for the person until it expires, so making one is
// audited with who made it.
func (s *Service) PreferenceToken(ctx context.Context, subjectID string) (string, error) {
	var tok string
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if tok, err = s.mint(ctx, subjectID, linkPreferences, ""); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, audit.Event{ActorID: access.ActorID(ctx), Action: "consent.link", Entity: "subject", EntityID: subjectID,
			SubjectID: subjectID, Purpose: "consent", Detail: map[string]string{"kind": "preferences", "expires": tx.Now().Add(s.cfg.LinkLifetime).Format(time.DateOnly)}})
		return err
	})
	if err != nil {
		return "", err
	}
	return tok, nil
}

// PreferenceLink makes a person's preference link for Steward to email to
// them, and says when it stops working. Unlike PreferenceToken the actor
// needs consent:record in the person's unit (listing people is not
// enough), and the audit event records that the link was made to be
// emailed, so nobody on the staff saw it.
func (s *Service) PreferenceLink(ctx context.Context, subjectID string) (string, time.Time, error) {
	var tok string
	var expires time.Time
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if tok, err = s.mintWith(ctx, []access.Permission{access.PermConsentRecord}, subjectID, linkPreferences, ""); err != nil {
			return err
		}
		expires = tx.Now().Add(s.cfg.LinkLifetime)
		_, err = s.audit.Append(ctx, audit.Event{ActorID: access.ActorID(ctx), Action: "consent.link", Entity: "subject", EntityID: subjectID,
			SubjectID: subjectID, Purpose: "consent", Detail: map[string]string{"kind": "preferences", "delivery": "email", "expires": expires.Format(time.DateOnly)}})
		return err
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return tok, expires, nil
}

// UnsubscribeToken makes the token of a one-click unsubscribe link
// (/u/{token}) for a purpose, "" for all marketing, for the
// List-Unsubscribe header of a marketing message.
func (s *Service) UnsubscribeToken(ctx context.Context, subjectID, purpose string) (string, error) {
	if purpose == "" {
		purpose = AllMarketing
	}
	if purpose != AllMarketing {
		if _, err := PurposeOf(purpose); err != nil {
			return "", err
		}
	}
	return s.mint(ctx, subjectID, linkUnsubscribe, purpose)
}

// publicActor is who acts for the person on the public pages: Steward
// itself, with consent:record on the person's unit and no other
// permission; the service uses it for the person named in the link only.
func publicActor(p Person, name string) *access.Actor {
	return &access.Actor{AccountID: access.SystemActorID, Username: name, Via: access.ViaSystem,
		Grants: []access.Grant{{Role: access.RoleRep, UnitPath: p.UnitPath}}, TokenPerms: []access.Permission{access.PermConsentRecord}}
}

// asPerson opens a link and returns a context acting for its person.
func (s *Service) asPerson(ctx context.Context, token string, kind byte, name string) (context.Context, link, Person, error) {
	l, err := s.open(token, kind)
	if err != nil {
		return nil, l, Person{}, err
	}
	got, err := s.reg.ConsentFacts(ctx, []string{l.subjectID})
	if err != nil {
		return nil, l, Person{}, err
	}
	p, ok := got[l.subjectID]
	if !ok {
		// Erased since the link was sent: nothing to show or change.
		return nil, l, Person{}, errLinkInvalid
	}
	return access.WithActor(ctx, publicActor(p, name)), l, p, nil
}

// Choice is one purpose on the preference page.
type Choice struct {
	PurposeInfo
	Given bool
	// Wording is the current wording, shown beside the box; nil when the
	// organisation has none, and then consent cannot be given here.
	Wording *Wording
}

// Preferences is what the preference page shows: the first name only,
// and the choices.
type Preferences struct {
	FirstName  string
	Choices    []Choice
	Suppressed bool
	// OptBackIn is whether ticking a marketing box may lift the person's
	// objection to marketing: only through a link the DPO made.
	OptBackIn bool
	Expires   time.Time
}

// PublicPreferences opens a preference link and reads the person's
// preferences for the page, audited as the preference centre's read.
func (s *Service) PublicPreferences(ctx context.Context, token string) (*Preferences, error) {
	ctx, l, p, err := s.asPerson(ctx, token, linkPreferences, "preference centre")
	if err != nil {
		return nil, err
	}
	var out *Preferences
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		out, err = s.preferences(ctx, tx, p)
		if err != nil {
			return err
		}
		out.Expires, out.OptBackIn = l.expires, l.lift
		_, err = s.audit.Append(ctx, audit.Event{ActorID: access.SystemActorID, Action: "consent.read", Entity: "subject", EntityID: p.ID,
			SubjectID: p.ID, Purpose: "preference_centre"})
		return err
	})
	return out, err
}

func (s *Service) preferences(ctx context.Context, tx *store.Tx, p Person) (*Preferences, error) {
	panel, err := s.panel(ctx, tx, p)
	if err != nil {
		return nil, err
	}
	c, err := s.reg.ConsentContact(ctx, p.ID, "preference_centre")
	if err != nil {
		return nil, err
	}
	words, err := s.CurrentWordings(ctx)
	if err != nil {
		return nil, err
	}
	out := &Preferences{FirstName: c.FirstName, Suppressed: panel.Suppressed}
	for _, st := range panel.States {
		ch := Choice{PurposeInfo: st.PurposeInfo, Given: st.Given}
		if w, ok := words[st.Code]; ok {
			ch.Wording = &w
		}
		out.Choices = append(out.Choices, ch)
	}
	return out, nil
}

// PreferenceChoices is what the person sent from the preference page.
type PreferenceChoices struct {
	// Ticked is the set of purposes whose boxes were ticked; every other
	// purpose on the page counts as unticked.
	Ticked map[string]bool
	// Shown is the wording id shown beside each purpose's box.
	Shown map[string]string
	// StopAllMarketing is the "stop all marketing" option: every
	// marketing purpose withdrawn and the suppression list.
	StopAllMarketing bool
}

// SavePreferences records the changes the person made on the preference
// page, each with channel preference_centre and the wording shown. It
// returns how many purposes changed.
func (s *Service) SavePreferences(ctx context.Context, token string, in PreferenceChoices) (int, error) {
	ctx, l, p, err := s.asPerson(ctx, token, linkPreferences, "preference centre")
	if err != nil {
		return 0, err
	}
	if !l.lift {
		ctx = context.WithValue(ctx, noLiftKey{}, true)
	}
	changed := 0
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		cur, err := s.current(ctx, p.ID)
		if err != nil {
			return err
		}
		for _, info := range Catalogue() {
			want := in.Ticked[info.Code]
			if in.StopAllMarketing && info.Marketing() {
				continue
			}
			if want == cur[info.Code] {
				continue
			}
			if want && in.Shown[info.Code] == "" {
				return apperr.New(apperr.Invalid, "%s cannot be switched on here yet: the organisation has not published the wording for it.", info.Label)
			}
			if want && p.ChildOn(tx.Now().Format(time.DateOnly)) {
				// Art 8: a child's consent comes from a parent or guardian,
				// whom the page cannot record; say so in words for the child.
				return apperr.New(apperr.Invalid, "Nothing was changed. Because of your age, saying yes to %s needs your parent or guardian: ask them to contact the organisation, who will record their agreement. You can still untick anything yourself.", strings.ToLower(info.Label))
			}
			if _, err := s.record(ctx, tx, p, RecordInput{Purpose: info.Code, Given: &want, Channel: ChannelPreferences, WordingID: in.Shown[info.Code]}, ""); err != nil {
				return err
			}
			changed++
		}
		if in.StopAllMarketing {
			evs, err := s.optOut(ctx, tx, p, AllMarketing, ChannelPreferences, "")
			if err != nil {
				return err
			}
			changed += len(evs)
		}
		return nil
	})
	return changed, err
}

// UnsubscribeLabel says what an unsubscribe link stops, for its confirm
// page, without changing anything or reading anyone's data.
func (s *Service) UnsubscribeLabel(ctx context.Context, token string) (string, error) {
	l, err := s.open(token, linkUnsubscribe)
	if err != nil {
		return "", err
	}
	return purposeWords(l.purpose), nil
}

func purposeWords(code string) string {
	if code == AllMarketing {
		return "all marketing messages"
	}
	if p, err := PurposeOf(code); err == nil {
		return p.Label
	}
	return code
}

// Unsubscribe carries out a one-click unsubscribe (RFC 8058): the link's
// purpose withdrawn, or for all marketing the objection to direct
// marketing with the suppression list. Doing it twice changes nothing
// more. It returns what was stopped, in words.
func (s *Service) Unsubscribe(ctx context.Context, token string) (string, error) {
	ctx, l, p, err := s.asPerson(ctx, token, linkUnsubscribe, "unsubscribe link")
	if err != nil {
		return "", err
	}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		evs, err := s.optOut(ctx, tx, p, l.purpose, ChannelUnsubscribe, "")
		if err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, audit.Event{ActorID: access.SystemActorID, Action: "consent.unsubscribe", Entity: "subject", EntityID: p.ID,
			SubjectID: p.ID, Purpose: "consent", Detail: map[string]string{"purpose": l.purpose, "events": strconv.Itoa(len(evs))}})
		return err
	})
	if err != nil {
		return "", err
	}
	return purposeWords(l.purpose), nil
}
