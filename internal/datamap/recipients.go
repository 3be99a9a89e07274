package datamap

import (
	"context"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// Recipient is someone personal data is disclosed to (Art 30(1)(d)): a
// processor acting for the organisation, another controller, an employer,
// a public authority. Processors need a signed, current Art 28 contract.
type Recipient struct {
	ID             string    `json:"id,omitempty" readOnly:"true"`
	Name           string    `json:"name" minLength:"1" maxLength:"200"`
	Kind           string    `json:"kind" enum:"processor,controller,public_authority,employer,other"`
	Contact        string    `json:"contact,omitempty" maxLength:"10000"`
	ContractStatus string    `json:"contract_status,omitempty" enum:"none,draft,signed,expired" doc:"Empty means none"`
	ContractSigned string    `json:"contract_signed_on,omitempty" maxLength:"10" doc:"Date the contract was signed, YYYY-MM-DD"`
	ContractReview string    `json:"contract_review_on,omitempty" maxLength:"10" doc:"Date the contract ends or is due for review, YYYY-MM-DD"`
	Country        string    `json:"country,omitempty" maxLength:"10000" doc:"Where the recipient processes the data; outside the UK means a transfer"`
	Safeguard      string    `json:"safeguard,omitempty" maxLength:"10000" doc:"The transfer safeguard, if outside the UK"`
	Notes          string    `json:"notes,omitempty" maxLength:"10000"`
	CreatedAt      time.Time `json:"created_at,omitzero" readOnly:"true"`
	UpdatedAt      time.Time `json:"updated_at,omitzero" readOnly:"true"`
}

// KindLabel is the kind in words.
func (r Recipient) KindLabel() string { return labelOf(RecipientKindOptions(), r.Kind) }

// ContractLabel is the contract status in words.
func (r Recipient) ContractLabel() string { return labelOf(ContractStatusOptions(), r.ContractStatus) }

// ContractCurrent reports whether the contract is signed and, if it has an
// end or review date, that date is not before today (YYYY-MM-DD).
func (r Recipient) ContractCurrent(today string) bool {
	return r.ContractStatus == "signed" && (r.ContractReview == "" || r.ContractReview >= today)
}

func (r *Recipient) clean() error {
	name, err := cleanName("recipient", r.Name)
	if err != nil {
		return err
	}
	r.Name = name
	if !known(RecipientKindOptions(), r.Kind) {
		return apperr.New(apperr.Invalid, "Choose what kind of recipient it is (processor, controller, public authority, employer or other).")
	}
	if r.ContractStatus == "" {
		r.ContractStatus = "none"
	}
	if !known(ContractStatusOptions(), r.ContractStatus) {
		return apperr.New(apperr.Invalid, "The contract status must be none, draft, signed or expired.")
	}
	if r.ContractSigned, err = ParseDate("The date the contract was signed", r.ContractSigned); err != nil {
		return err
	}
	if r.ContractReview, err = ParseDate("The contract's end or review date", r.ContractReview); err != nil {
		return err
	}
	return cleanText(text{"The contact details", &r.Contact}, text{"The country", &r.Country},
		text{"The safeguard", &r.Safeguard}, text{"The notes", &r.Notes})
}

const recipientCols = `id, name, kind, contact, contract_status, contract_signed_on, contract_review_on, country, safeguard, notes, created_at, updated_at`

func scanRecipient(sc scanner) (*Recipient, error) {
	var r Recipient
	var created, updated int64
	if err := sc.Scan(&r.ID, &r.Name, &r.Kind, &r.Contact, &r.ContractStatus, &r.ContractSigned, &r.ContractReview,
		&r.Country, &r.Safeguard, &r.Notes, &created, &updated); err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = store.FromMillis(created), store.FromMillis(updated)
	return &r, nil
}

// Recipients lists recipients and processors by name.
func (s *Service) Recipients(ctx context.Context) ([]Recipient, error) {
	if err := canRead(ctx); err != nil {
		return nil, err
	}
	return s.recipients(ctx)
}

func (s *Service) recipients(ctx context.Context) ([]Recipient, error) {
	return listAll(ctx, s.db.Q(ctx), `SELECT `+recipientCols+` FROM data_recipients ORDER BY name`, "recipient", scanRecipient)
}

// Recipient returns one recipient.
func (s *Service) Recipient(ctx context.Context, id string) (*Recipient, error) {
	if err := canRead(ctx); err != nil {
		return nil, err
	}
	return s.recipient(ctx, id)
}

func (s *Service) recipient(ctx context.Context, id string) (*Recipient, error) {
	return loadOne(ctx, s.db.Q(ctx), `SELECT `+recipientCols+` FROM data_recipients WHERE id = $1`, "recipient", id, scanRecipient)
}

// CreateRecipient adds a recipient or processor.
func (s *Service) CreateRecipient(ctx context.Context, r Recipient) (*Recipient, error) {
	if err := canWrite(ctx); err != nil {
		return nil, err
	}
	if err := r.clean(); err != nil {
		return nil, err
	}
	r.ID = store.NewID()
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r.CreatedAt, r.UpdatedAt = tx.Now(), tx.Now()
		_, err := tx.ExecContext(ctx, `INSERT INTO data_recipients (`+recipientCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			r.ID, r.Name, r.Kind, r.Contact, r.ContractStatus, r.ContractSigned, r.ContractReview, r.Country, r.Safeguard, r.Notes,
			store.Millis(r.CreatedAt), store.Millis(r.UpdatedAt))
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "There is already a recipient called %q.", r.Name)
		}
		if err != nil {
			return fmt.Errorf("insert recipient: %w", err)
		}
		return s.record(ctx, "datamap.recipient.create", "data_recipient", r.ID,
			map[string]string{"kind": r.Kind, "contract_status": r.ContractStatus})
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// UpdateRecipient replaces the fields of the recipient r.ID.
func (s *Service) UpdateRecipient(ctx context.Context, r Recipient) (*Recipient, error) {
	if err := canWrite(ctx); err != nil {
		return nil, err
	}
	if err := r.clean(); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		old, err := s.recipient(ctx, r.ID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE data_recipients SET name = $1, kind = $2, contact = $3, contract_status = $4,
			contract_signed_on = $5, contract_review_on = $6, country = $7, safeguard = $8, notes = $9, updated_at = $10 WHERE id = $11`,
			r.Name, r.Kind, r.Contact, r.ContractStatus, r.ContractSigned, r.ContractReview, r.Country, r.Safeguard, r.Notes,
			store.Millis(tx.Now()), r.ID)
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "There is already a recipient called %q.", r.Name)
		}
		if err != nil {
			return fmt.Errorf("update recipient: %w", err)
		}
		r.CreatedAt, r.UpdatedAt = old.CreatedAt, tx.Now()
		return s.record(ctx, "datamap.recipient.update", "data_recipient", r.ID,
			map[string]string{"kind": r.Kind, "contract_status": r.ContractStatus})
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// DeleteRecipient removes a recipient no activity uses.
func (s *Service) DeleteRecipient(ctx context.Context, id string) error {
	return s.deleteUnused(ctx, "recipient", "data_recipients", "activity_recipients", "recipient_id", "data_recipient", id, func(ctx context.Context) (string, error) {
		v, err := s.recipient(ctx, id)
		if err != nil {
			return "", err
		}
		return v.Name, nil
	})
}
