package cli

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/governance"
)

// demoMidOnboarding is the demo rep left half-way through onboarding, so
// the checklist and the paused access can be seen.
const demoMidOnboarding = "rep.4"

// demoOnboarding publishes the demo's policies and training course and
// onboards every rep and officer but one, as the DPO and the people
// themselves would: acknowledgements and declarations by each account,
// training recorded by the DPO.
func demoOnboarding(ctx context.Context, app *App) error {
	g := app.Governance
	dctx, err := app.operator(ctx, "dpo")
	if err != nil {
		return err
	}
	for _, p := range []governance.PolicyInput{
		{Title: "Data protection policy", Version: "v3", RequiresAck: true, Body: "How the union keeps members' personal data safe.\n\n" +
			"- Use members' data only for union business, and only the least you need for the task.\n" +
			"- Keep it on secured devices and in the union's own systems; never in a personal email account or unencrypted cloud storage.\n" +
			"- Pass any request a member makes about their data (a subject access request, an objection, a correction) to the DPO through Steward the same day.\n" +
			"- Report a lost device, a misdirected email or any other breach within 24 hours.\n" +
			"- Share members' data outside the union only with the branch secretary's or the DPO's approval.\n" +
			"- When you leave the role, return and delete everything you hold."},
		{Title: "Rep's guide to data protection", Version: "2026", RequiresAck: true, Body: "The workplace rep's do's and don'ts, in short.\n\n" +
			"Do: keep member lists encrypted or password-protected; use BCC when emailing several members; record every opt-out you receive; lock paper away and shred it criss-cross when done; keep casework in its own folder.\n" +
			"Don't: share a member list with the head or anyone else; email an unprotected list; upload members' data to online tools unless it is protected and the minimum needed; leave papers on the printer or devices unlocked.\n" +
			"Leaving the role: tell the branch secretary and regional officer, copy back what the union needs, delete every copy and return loaned equipment."},
	} {
		if _, err := g.PublishPolicy(dctx, p); err != nil {
			return err
		}
	}
	course, err := g.CreateCourse(dctx, governance.CourseInput{Name: "GDPR for reps and officers", ValidityMonths: 24})
	if err != nil {
		return err
	}
	accs, err := app.Access.Staff(dctx)
	if err != nil {
		return err
	}
	var checks []string
	for _, c := range governance.DeviceChecks() {
		checks = append(checks, c.Code)
	}
	for _, acc := range accs {
		if !gatedDemoAccount(acc, g.Config().GatedRoles) {
			continue
		}
		a, err := app.Access.Actor(ctx, acc.Username, access.ViaCLI)
		if err != nil {
			return err
		}
		me := access.WithActor(ctx, a)
		c, err := g.MyChecklist(me)
		if err != nil {
			return err
		}
		for _, p := range c.Policies {
			if err := g.Acknowledge(me, p.PolicyID); err != nil {
				return fmt.Errorf("%s acknowledges %s: %w", acc.Username, p.Title, err)
			}
		}
		if acc.Username == demoMidOnboarding {
			continue // policies read; training and the declaration to come
		}
		if _, err := g.RecordTraining(dctx, acc.ID, course.ID, ""); err != nil {
			return err
		}
		if _, err := g.Declare(me, checks); err != nil {
			return err
		}
	}
	return nil
}

func gatedDemoAccount(acc access.Account, gated []access.Role) bool {
	for _, gr := range acc.Grants {
		for _, r := range gated {
			if gr.Role == r {
				return true
			}
		}
	}
	return false
}
