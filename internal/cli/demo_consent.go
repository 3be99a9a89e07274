package cli

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/subjects"
)

// demoWordings are the demo union's consent wordings, as its DPO would
// write them: one plain question per purpose, and the right to withdraw.
func demoWordings() map[string]string {
	return map[string]string{
		consent.ConsentNewsletters: "Would you like our monthly newsletter by email? Tick the box if so. You can unsubscribe at any time with the link in every issue.",
		consent.ConsentCampaigns:   "Can we email you about our campaigns and events, such as the pay campaign and branch socials? You can stop these at any time.",
		consent.ConsentSurveys:     "Can we invite you to take part in members' surveys and consultations? You can say no at any time.",
		consent.ConsentPhotos:      "May we use photos or video of you taken at union events in our newsletter and on social media? You can withdraw this at any time; we will not use new photos of you after that.",
		consent.ConsentWebsite:     "May we publish your name and your story on our website? You can ask us to take it down at any time.",
		consent.ConsentResearch:    "May the union's research team contact you to take part in research about working life in schools? You can withdraw at any time.",
	}
}

// demoConsent publishes the wordings and records consents, withdrawals and
// opt-outs for the first few hundred members, as reps and the preference
// centre would have over a year. It does nothing when the wordings exist.
func demoConsent(ctx context.Context, app *App, seed uint64, out io.Writer) error {
	var n int
	if err := app.DB.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM consent_wordings`).Scan(&n); err != nil || n > 0 {
		return err
	}
	dpo, err := app.operator(ctx, "dpo")
	if err != nil {
		return err
	}
	words := map[string]string{}
	for _, p := range consent.Catalogue() {
		w, err := app.Consent.PublishWording(dpo, p.Code, demoWordings()[p.Code])
		if err != nil {
			return err
		}
		words[p.Code] = w.ID
	}
	rng := rand.New(rand.NewPCG(seed, seed^0xc0de))
	channels := consent.Channels()
	page, _, err := app.Subjects.List(dpo, subjects.Filter{Limit: subjects.MaxPage})
	if err != nil {
		return err
	}
	given, optOuts := 0, 0
	yes, no := true, false
	for _, p := range page {
		if p.Erased || p.Restricted {
			continue
		}
		for _, code := range []string{consent.ConsentNewsletters, consent.ConsentCampaigns, consent.ConsentSurveys, consent.ConsentPhotos} {
			if rng.IntN(3) != 0 {
				continue
			}
			in := consent.RecordInput{Purpose: code, Given: &yes, Channel: channels[rng.IntN(len(channels)-1)], WordingID: words[code]}
			if p.Child {
				in.Guardian = &consent.Guardian{Name: "Parent of " + p.Profile.GivenName, Relationship: "parent"}
			}
			if _, err := app.Consent.Record(dpo, p.ID, in); err != nil {
				return err
			}
			given++
			if rng.IntN(10) == 0 {
				if _, err := app.Consent.Record(dpo, p.ID, consent.RecordInput{Purpose: code, Given: &no, Channel: consent.ChannelEmail}); err != nil {
					return err
				}
			}
		}
		if rng.IntN(15) == 0 {
			if _, err := app.Consent.OptOut(dpo, p.ID, consent.OptOutInput{Purpose: consent.AllMarketing, Channel: consent.ChannelEmail}); err != nil {
				return err
			}
			optOuts++
		}
	}
	fmt.Fprintf(out, "  %d consents, %d opt-outs from all marketing\n", given, optOuts)
	return nil
}
