package provisionertest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/provisionertest"
)

func ExampleNewFaulty() {
	ctx := context.Background()
	p := provisionertest.NewFaulty(memprovisioner.New(memprovisioner.Limits{}))

	// The provider is down for the next two calls for agents.
	p.FailSet(contactcenter.Agents, 2, errors.New("provider unavailable"))
	for range 3 {
		items, err := p.Set(ctx, "expo-2026", contactcenter.Agents, 2)
		fmt.Println(len(items), err)
	}
	fmt.Println(p.Calls(contactcenter.Agents), "calls")
	// Output:
	// 0 provider unavailable
	// 0 provider unavailable
	// 2 <nil>
	// 3 calls
}
