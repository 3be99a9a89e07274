package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/subjects"
	"github.com/stewardhq/steward/internal/subjects/importer"
)

// demoWorkplace is a workplace of the demo with the town it stands in, so
// members get addresses nearby.
type demoWorkplace struct {
	id, town, postArea string
}

// Synthetic people only: common UK given and family names, numbers from the
// ranges Ofcom keeps for drama (07700 900xxx), NI numbers with the QQ
// prefix HMRC never issues, and example.org email addresses.
func demoGivenNames() []string {
	return strings.Fields(`Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Florence Emily Ella Poppy
Evie Elsie Charlotte Evelyn Sienna Sofia Daisy Jessica Alice Harper Ruby Matilda Sophie Chloe Lucy Hannah Priya Aisha Fatima Zara
Noah Oliver George Arthur Leo Muhammad Harry Oscar Archie Henry Theodore Freddie Jack Charlie Theo Alfie Jacob Thomas Finley Arlo
William Lucas Roman Tommy Isaac Teddy Alexander Luca Edward James Joshua Albie Elijah Max Mohammed Reuben Mason Daniel Ravi Kwame
Siobhan Niamh Ciaran Rhys Gareth Bethan Eilidh Callum Fraser Morag Dylan Megan Owen Cerys Tomasz Agnieszka Ioana Mehmet`)
}

func demoFamilyNames() []string {
	return strings.Fields(`Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright Walker
White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King
Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter
Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson
Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler
Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart
Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton
O'Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory
Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy
Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop Walton Burns Nicholson Shepherd Ross Cross
Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins O'Connor Harper Coleman Watkins
Moss McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler Potter Osborne Johnston Gordon Doyle Wallace George Jordan Hutchinson`)
}

func demoStreets() []string {
	return strings.Fields(`High Station Church Victoria Green Manor Park Queen's King's Mill School Alexandra York Springfield
Grange Albert Chapel Windsor New Broadway Highfield Orchard Meadow Beech Elm Willow Cedar Oak Ash Hawthorn Primrose`)
}

func demoStreetKinds() []string {
	return []string{"Road", "Street", "Lane", "Avenue", "Close", "Drive", "Crescent", "Way", "Terrace", "Grove"}
}

// demoPerson makes one synthetic member of a workplace. n makes the
// membership number (and so the email) unique.
func demoPerson(rng *rand.Rand, wp demoWorkplace, n int, today time.Time) subjects.Input {
	given := demoGivenNames()
	family := demoFamilyNames()
	g := given[rng.IntN(len(given))]
	f := family[rng.IntN(len(family))]
	age := 22 + rng.IntN(44)
	dob := today.AddDate(-age, -rng.IntN(12), -rng.IntN(28))
	joined := today.AddDate(-rng.IntN(min(age-21, 30)+1), -rng.IntN(12), -rng.IntN(28))
	in := subjects.Input{
		UnitID: wp.id,
		Kind:   subjects.KindMember,
		Profile: subjects.Profile{
			GivenName:   g,
			FamilyName:  f,
			Email:       fmt.Sprintf("%s.%s%d@example.org", strings.ToLower(g), strings.ToLower(strings.ReplaceAll(f, "'", "")), n),
			Phone:       fmt.Sprintf("07700 900%03d", rng.IntN(1000)),
			Address:     fmt.Sprintf("%d %s %s\n%s", 1+rng.IntN(180), demoStreets()[rng.IntN(len(demoStreets()))], demoStreetKinds()[rng.IntN(len(demoStreetKinds()))], wp.town),
			Postcode:    fmt.Sprintf("%s%d %d%c%c", wp.postArea, 1+rng.IntN(20), rng.IntN(10), 'A'+rune(rng.IntN(26)), 'A'+rune(rng.IntN(26))),
			NINumber:    fmt.Sprintf("QQ%06d%c", rng.IntN(1000000), 'A'+rune(rng.IntN(4))),
			DateOfBirth: dob.Format(time.DateOnly),
			// Check digits would be nice; the union's format is a prefix
			// and six digits.
			MembershipNo: fmt.Sprintf("NEU%07d", n),
		},
		JoinedOn: joined.Format(time.DateOnly),
	}
	// Some members have left: the register keeps them until retention.
	if rng.IntN(12) == 0 {
		left := joined.AddDate(1+rng.IntN(5), rng.IntN(12), 0)
		if left.Before(today) {
			in.LeftOn = left.Format(time.DateOnly)
		}
	}
	return in
}

// demoWorkplaces lists the demo's workplaces with their towns (the first
// word of their names) and their region's postcode area.
func demoWorkplaces(ctx context.Context, app *App) ([]demoWorkplace, error) {
	op, err := app.operator(ctx, "")
	if err != nil {
		return nil, err
	}
	units, err := app.Access.Units(op)
	if err != nil {
		return nil, err
	}
	area := map[string]string{}
	for _, u := range units {
		if u.Kind == access.KindRegion {
			area[u.ID] = map[string]string{"North Region": "NE", "Midlands Region": "WS", "South West Region": "GL"}[u.Name]
		}
	}
	var out []demoWorkplace
	for _, u := range units {
		if u.Kind != access.KindWorkplace {
			continue
		}
		pa := "NE"
		for id, a := range area {
			if strings.Contains(u.Path, "/"+id+"/") && a != "" {
				pa = a
			}
		}
		out = append(out, demoWorkplace{id: u.ID, town: strings.Fields(u.Name)[0], postArea: pa})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the demo has no workplaces")
	}
	return out, nil
}

// writeDemoCSV writes n synthetic members as the membership system would
// export them. The random source depends only on the seed and n, so a
// build taken up again after a kill writes the same people.
func writeDemoCSV(path string, wps []demoWorkplace, seed uint64, n int, today time.Time) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	bw := bufio.NewWriterSize(f, 1<<20)
	cw := csv.NewWriter(bw)
	_ = cw.Write([]string{"Membership number", "First name", "Surname", "Email address", "Mobile", "Address", "Postcode", "NI number", "Date of birth", "Date joined", "Date left", "Workplace"})
	for i := 1; i <= n; i++ {
		in := demoPerson(rng, wps[rng.IntN(len(wps))], i, today)
		p := in.Profile
		_ = cw.Write([]string{p.MembershipNo, p.GivenName, p.FamilyName, p.Email, p.Phone, p.Address, p.Postcode, p.NINumber, p.DateOfBirth, in.JoinedOn, in.LeftOn, in.UnitID})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// finishDemo makes the people (imported in batches, like a real
// membership list), the records, and marks the demo ready.
func finishDemo(ctx context.Context, app *App, seed uint64, n int, dir string, out io.Writer) error {
	wps, err := demoWorkplaces(ctx, app)
	if err != nil {
		return err
	}
	// The file is synthetic, and it goes once imported.
	file := filepath.Join(dir, "demo-members.csv")
	if err := writeDemoCSV(file, wps, seed, n, app.DB.Now()); err != nil {
		return fmt.Errorf("write the demo's member list: %w", err)
	}
	defer os.Remove(file)
	a, err := app.Access.Actor(ctx, "membership", access.ViaCLI)
	if err != nil {
		return err
	}
	im := importer.New(app.DB, app.Audit, app.Access, app.Subjects, app.Log)
	res, err := im.Run(access.WithActor(ctx, a), importer.Options{Path: file, Name: "demo-members.csv", Progress: func(done, total int) {
		fmt.Fprintf(out, "  %d of %d people\n", done, total)
	}})
	if err != nil {
		return fmt.Errorf("import the demo's members: %w", err)
	}
	if res.Rejected > 0 {
		return fmt.Errorf("%d demo members were rejected: %v", res.Rejected, res.Problems)
	}
	var records int
	if err := app.DB.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM records`).Scan(&records); err != nil {
		return err
	}
	if records == 0 {
		rng := rand.New(rand.NewPCG(seed, seed^0x4ec0))
		if err := app.DB.InTx(ctx, func(ctx context.Context, _ *store.Tx) error {
			return demoRecords(ctx, app, rng, out)
		}); err != nil {
			return fmt.Errorf("demo records: %w", err)
		}
	}
	if err := demoLists(ctx, app, out); err != nil {
		return err
	}
	if err := demoConsent(ctx, app, seed, out); err != nil {
		return fmt.Errorf("demo consents: %w", err)
	}
	if err := demoDisclosures(ctx, app, out); err != nil {
		return fmt.Errorf("demo disclosures: %w", err)
	}
	return setDemoState(ctx, app, demoReady)
}

// demoDataMap fills the data map as the demo's DPO: the union's processing
// activities, categories, systems and recipients.
func demoDataMap(ctx context.Context, app *App) (context.Context, error) {
	a, err := app.Access.Actor(ctx, "dpo", access.ViaCLI)
	if err != nil {
		return nil, err
	}
	dpo := access.WithActor(ctx, a)
	err = app.Datamap.Seed(dpo, datamap.Controller{
		Name:    "Northfield Education Union",
		Contact: "Head Office, 12 Chapel Row, Gateshead NE8 1AA; office@northfield-union.example.org",
		DPO:     "Data Protection Officer, Head Office; dpo@northfield-union.example.org",
	})
	return dpo, err
}

// demoRecords gives about a quarter of the members a casework note, and
// some of those a sickness record (health, a special category, held under
// casework's Art 9(2)(d) condition) or an election record.
func demoRecords(ctx context.Context, app *App, rng *rand.Rand, out io.Writer) error {
	a, err := app.Access.Actor(ctx, "dpo", access.ViaCLI)
	if err != nil {
		return err
	}
	dpo := access.WithActor(ctx, a)
	choices, err := app.Datamap.FormChoices(dpo)
	if err != nil {
		return err
	}
	id := func(list []datamap.Choice, name string) string {
		for _, c := range list {
			if c.Name == name {
				return c.ID
			}
		}
		return ""
	}
	casework := id(choices.Activities, "Casework and representation")
	elections := id(choices.Activities, "Elections and ballots")
	notes := id(choices.Categories, "Casework notes and correspondence")
	health := id(choices.Categories, "Health and sickness information")
	ballots := id(choices.Categories, "Ballot and election records")
	mailbox := id(choices.Systems, "Office mailbox")
	if casework == "" || notes == "" || health == "" || elections == "" || ballots == "" {
		return fmt.Errorf("the seeded data map lacks the demo's activities or categories")
	}
	recs := subjects.NewRecords(app.Subjects, app.Datamap)
	issues := []string{"Pay grading query", "Grievance about timetabling", "Disciplinary investigation meeting", "Flexible working request", "Workload concerns", "Redundancy consultation", "Maternity return arrangements"}
	// Records go to people among the first few thousand only: enough to
	// explore, and a large demo's build stays quick.
	count, after, seen := 0, "", 0
	for seen < 8000 {
		page, next, err := app.Subjects.List(dpo, subjects.Filter{After: after, Limit: subjects.MaxPage})
		if err != nil {
			return err
		}
		for _, p := range page {
			seen++
			if rng.IntN(4) != 0 {
				continue
			}
			occurred := app.DB.Now().AddDate(0, -rng.IntN(30), -rng.IntN(28)).Format(time.DateOnly)
			issue := issues[rng.IntN(len(issues))]
			if _, err := recs.Add(dpo, p.ID, subjects.RecordInput{Kind: "casework_note", CategoryID: notes, ActivityID: casework, SystemID: mailbox,
				Title: issue, Body: "Met the member with the school's HR adviser. Agreed next steps and a review date.", OccurredOn: occurred}); err != nil {
				return err
			}
			count++
			switch rng.IntN(5) {
			case 0:
				if _, err := recs.Add(dpo, p.ID, subjects.RecordInput{Kind: "health", CategoryID: health, ActivityID: casework,
					Title: "Sickness absence and adjustments", Body: "Fit note covers four weeks; phased return and reduced duties discussed with the head teacher.", OccurredOn: occurred}); err != nil {
					return err
				}
				count++
			case 1:
				if _, err := recs.Add(dpo, p.ID, subjects.RecordInput{Kind: "election", CategoryID: ballots, ActivityID: elections,
					Title: "Nominated for branch secretary", OccurredOn: occurred}); err != nil {
					return err
				}
				count++
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	fmt.Fprintf(out, "  %d records\n", count)
	return nil
}
