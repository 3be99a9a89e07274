package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/disclosures"
	"github.com/stewardhq/steward/internal/subjects"
)

// demoDisclosures fills the disclosure log as the demo's DPO: a mailing
// to members through the mailing house (a processor with a current
// contract, approved at once), a police request answered under the crime
// exemption after the DPO's approval, and one still waiting for it. It
// does nothing when the log has entries already, so a resumed build does
// not repeat it.
func demoDisclosures(ctx context.Context, app *App, out io.Writer) error {
	dpo, err := app.operator(ctx, "dpo")
	if err != nil {
		return err
	}
	if have, err := app.Disclosures.List(dpo, disclosures.Filter{}); err != nil || len(have) > 0 {
		return err
	}
	people, _, err := app.Subjects.List(dpo, subjects.Filter{Limit: 40})
	if err != nil {
		return err
	}
	if len(people) < 3 {
		return nil
	}
	recips, err := app.Datamap.Recipients(dpo)
	if err != nil {
		return err
	}
	var mailing string
	for _, r := range recips {
		if r.Name == "Mailing house" {
			mailing = r.ID
		}
	}
	police, err := app.Datamap.CreateRecipient(dpo, datamap.Recipient{Name: "Northumbria Police", Kind: "public_authority",
		Contact: "Force data protection office", Country: "United Kingdom", Notes: "Requests must come in writing from the force's data protection office."})
	if err != nil {
		return err
	}
	cats, err := app.Datamap.Categories(dpo)
	if err != nil || len(cats) == 0 {
		return err
	}
	contact := cats[0].ID
	for _, c := range cats {
		if c.Name == "Identity and contact details" {
			contact = c.ID
		}
	}
	ids := make([]string, 0, len(people))
	for _, p := range people {
		ids = append(ids, p.ID)
	}
	if mailing != "" {
		if _, err := app.Disclosures.Create(dpo, disclosures.NewDisclosure{RecipientID: mailing, SubjectIDs: ids[2:], CategoryIDs: []string{contact},
			Basis: disclosures.BasisLegitimateInterest, Reference: "Autumn conference mailing",
			Reasoning: "Names and postal addresses for the printed conference pack; the mailing house deletes them after dispatch under its contract."}); err != nil {
			return err
		}
	}
	d, err := app.Disclosures.Create(dpo, disclosures.NewDisclosure{RecipientID: police.ID, SubjectIDs: ids[:1], CategoryIDs: []string{contact},
		Basis: disclosures.BasisCrime, Reference: "Force DP request NP-DEMO-0412", Prejudice: true,
		Reasoning: "Written request from the force's data protection office, no court order: they are tracing a witness to an assault outside the school. Refusing would prejudice the investigation; the address only is shared."})
	if err != nil {
		return err
	}
	if _, err := app.Disclosures.Decide(dpo, d.ID, true, "Sch 2 para 2 applies: a written request about a specific investigation, and only the address goes."); err != nil {
		return err
	}
	if _, err := app.Disclosures.Create(dpo, disclosures.NewDisclosure{RecipientID: police.ID, SubjectIDs: ids[1:2], CategoryIDs: []string{contact},
		Basis: disclosures.BasisCrime, Reference: "Phone call from PC Lowe, no written request yet",
		Reasoning: "Asked by phone for a member's phone number about a car accident. Waiting for the written request before deciding."}); err != nil {
		return err
	}
	fmt.Fprintln(out, "  3 disclosures logged")
	return nil
}
