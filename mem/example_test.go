package mem_test

import (
	"context"
	"fmt"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/mem"
)

// A probe reports MEM-HEAP-001 once the heap passes its limit. The reader
// here stands in for runtime/metrics.
func ExampleProbe() {
	heap := uint64(900 << 20)
	p := mem.NewProbe(mem.Config{
		Limit: 1 << 30,
		Read:  func() uint64 { return heap },
	})
	fmt.Println(p.Check(context.Background()))

	heap = 1200 << 20
	err := p.Check(context.Background())
	fmt.Println(heal.HasCode(err, mem.Code))
	fmt.Println(err)
	// Output:
	// <nil>
	// true
	// MEM-HEAP-001 heap: heap 1258291200 bytes is above the limit of 1073741824 bytes
}
