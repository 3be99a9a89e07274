package access

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/collect"
)

// AccessLogSource offers, for a rights request, the audit trail's record
// of who read or changed a person's data and when.
type AccessLogSource struct {
	s   *Service
	log *audit.Log
}

// AccessLogSource returns the access log's collect.Source over log.
func (s *Service) AccessLogSource(log *audit.Log) *AccessLogSource {
	return &AccessLogSource{s: s, log: log}
}

// Name implements collect.Source.
func (*AccessLogSource) Name() string { return "access_log" }

// Collect implements collect.Source: one item listing every event about
// the person, oldest first, with the account that caused it.
func (ls *AccessLogSource) Collect(ctx context.Context, subjectID string) ([]collect.Item, error) {
	var events []audit.Event
	for after := int64(0); ; {
		page, err := ls.log.List(ctx, audit.Filter{SubjectID: subjectID, AfterSeq: after, Limit: audit.MaxLimit})
		if err != nil {
			return nil, fmt.Errorf("read the access log: %w", err)
		}
		events = append(events, page...)
		if len(page) < audit.MaxLimit {
			break
		}
		after = page[len(page)-1].Seq
	}
	if len(events) == 0 {
		return nil, nil
	}
	names := map[string]string{}
	it := collect.Item{Source: "access_log", Key: "events", Category: "Record of who used your data",
		Title: "Who read or changed your record in Steward", Date: events[len(events)-1].At.Format("2006-01-02"), Provided: true}
	// One line per day, account and kind of use, with a count: a record
	// read field by field, or opened for every rights request, would
	// otherwise be thousands of identical lines.
	type line struct{ day, who, what string }
	counts := map[line]int{}
	var order []line
	left := 0
	for _, e := range events {
		if e.Action == "disclosure.subject" && e.Detail["prejudice"] == "true" {
			// A disclosure marked as prejudicial to tell the person
			// about (a police investigation): saying it was logged would
			// tell them what the reviewer may withhold.
			left++
			continue
		}
		who, ok := names[e.ActorID]
		if !ok {
			who = ls.s.describeActor(ctx, e.ActorID)
			names[e.ActorID] = who
		}
		l := line{e.At.Format("2006-01-02"), who, actionWords(e.Action)}
		if counts[l] == 0 {
			order = append(order, l)
		}
		counts[l]++
	}
	if left > 0 {
		it.ReviewNote = fmt.Sprintf("%d line(s) were left out of this list: they record the logging of a disclosure marked as prejudicial to tell the person about. If you disclose that disclosure, say in the letter that it was logged.", left)
	}
	for _, l := range order {
		v := l.who + " " + l.what
		if n := counts[l]; n > 1 {
			v += fmt.Sprintf(" (%d times)", n)
		}
		it.Fields = append(it.Fields, collect.Field{Label: l.day, Value: v})
	}
	return []collect.Item{it}, nil
}

// describeActor names who caused an event, as the person may be told.
func (s *Service) describeActor(ctx context.Context, id string) string {
	switch id {
	case "":
		return "Someone not signed in"
	case SystemActorID:
		return "Steward itself, or its operator"
	}
	var name string
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT username FROM accounts WHERE id = $1`, id).Scan(&name); err != nil {
		return "A former account"
	}
	return "Account " + name
}

// actionWords says what an event did, for the person it was about.
func actionWords(action string) string {
	switch action {
	case "subject.read":
		return "opened your record"
	case "subject.list":
		return "saw you in a list of people"
	case "subject.search_hit":
		return "found you in a search"
	case "subject.create":
		return "added you to the register"
	case "subject.update":
		return "changed your details"
	case "subject.restricted", "subject.restriction_lifted":
		return "changed the restriction on your data"
	case "subject.import_batch", "subject.import_compare", "subject.import_dry_run", "subject.import_done":
		return "imported a membership list that included you"
	case "record.create", "record.file_attach":
		return "added a record about you"
	case "record.read":
		return "read the records about you"
	case "record.file_read":
		return "opened a file about you"
	case "consent.read":
		return "looked at your consents and preferences"
	case "consent.give":
		return "recorded your consent"
	case "consent.withdraw":
		return "recorded that you withdrew consent or opted out"
	case "consent.unsubscribe":
		return "recorded your unsubscribe"
	case "suppression.add":
		return "put you on the marketing suppression list"
	case "suppression.lift":
		return "took you off the marketing suppression list when you opted back in"
	case "consent.link":
		return "made a link to your preferences"
	case "disclosure.subject":
		return "recorded that your data was shared outside the organisation"
	case "disclosure.list_subject":
		return "looked at who your data was shared with"
	case "disclosure.collect":
		return "gathered who your data was shared with, to answer a request"
	case "outbox.queue_message":
		return "queued an email to you"
	case "outbox.sent":
		return "sent you an email"
	case "outbox.failed":
		return "could not deliver an email to you"
	case "outbox.suppressed":
		return "stopped an email to you because you had opted out"
	}
	return "(" + action + ")"
}
