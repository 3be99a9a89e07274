package cli

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/subjects"
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

// demoPeople adds n synthetic members spread over the workplaces, as the
// membership officer, printing progress.
func demoPeople(ctx context.Context, app *App, rng *rand.Rand, wps []demoWorkplace, n int, out io.Writer) error {
	a, err := app.Access.Actor(ctx, "membership", access.ViaCLI)
	if err != nil {
		return err
	}
	mctx := access.WithActor(ctx, a)
	today := app.DB.Now()
	step := max(n/10, 1)
	for i := 1; i <= n; i++ {
		wp := wps[rng.IntN(len(wps))]
		if _, err := app.Subjects.Create(mctx, demoPerson(rng, wp, i, today)); err != nil {
			return fmt.Errorf("demo person %d: %w", i, err)
		}
		if i%step == 0 || i == n {
			fmt.Fprintf(out, "  %d of %d people\n", i, n)
		}
	}
	return nil
}
