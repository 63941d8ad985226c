package pool_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/pool"
)

// downDB stands in for a pool whose database does not answer.
type downDB struct{}

func (downDB) Ping(context.Context) error { return errors.New("connection refused") }

// A probe turns a failed ping into DB-CONN-001 for its target, which the
// policy for DB-CONN codes answers with a recycle.
func ExampleNewProbe() {
	probe := pool.NewProbe(downDB{}, pool.ProbeConfig{Target: "orders-db"})
	err := probe.Check(context.Background())
	fmt.Println(probe.Name())
	fmt.Println(heal.HasCode(err, pool.Code))
	fmt.Println(err)
	// Output:
	// pool.ping:orders-db
	// true
	// DB-CONN-001 orders-db: Database connection pool exhausted: connection refused
}
