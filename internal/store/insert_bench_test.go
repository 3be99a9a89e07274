package store_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// BenchmarkInsertFloor measures what SQLite through this store costs before
// any of Steward's own work: rows of a 300-byte blob (a sealed profile's
// size) and n indexed 16-byte random values (blind indexes), inserted with
// one prepared statement in transactions of 10,000. It is the floor under
// the import's rate, and shows what each blind index adds:
//
//	go test -run XXX -bench InsertFloor ./internal/store
func BenchmarkInsertFloor(b *testing.B) {
	for _, n := range []int{0, 1, 4, 8} {
		b.Run(fmt.Sprintf("indexes=%d", n), func(b *testing.B) {
			ctx := context.Background()
			db := storetest.OpenData(b, storetest.SQLiteEnv(b))
			cols := make([]string, n)
			ddl := []string{}
			for i := range cols {
				cols[i] = fmt.Sprintf("ix%d", i)
				ddl = append(ddl, fmt.Sprintf(`CREATE INDEX bench_%s ON bench (%s)`, cols[i], cols[i]))
			}
			table := `CREATE TABLE bench (id TEXT PRIMARY KEY, profile BLOB NOT NULL`
			for _, c := range cols {
				table += ", " + c + " BLOB"
			}
			for _, q := range append([]string{table + ")"}, ddl...) {
				if _, err := db.Writer().ExecContext(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			q := `INSERT INTO bench (id, profile`
			for _, c := range cols {
				q += ", " + c
			}
			q += `) VALUES (?, ?` + strings.Repeat(", ?", n) + `)`
			profile := make([]byte, 300)
			b.ResetTimer()
			for lo := 0; lo < b.N; lo += 10000 {
				err := db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
					st, err := tx.PrepareContext(ctx, q)
					if err != nil {
						return err
					}
					defer st.Close()
					args := make([]any, 2+n)
					for i := lo; i < min(lo+10000, b.N); i++ {
						args[0], args[1] = store.NewID(), profile
						for j := range n {
							h := make([]byte, 16)
							rand.Read(h)
							args[2+j] = h
						}
						if _, err := st.ExecContext(ctx, args...); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
