package memprovisioner_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
)

func ExampleNew() {
	ctx := context.Background()
	// An account with room for 5 agents, shared by every event.
	p := memprovisioner.New(memprovisioner.Limits{Agents: 5})

	agents, _ := p.Set(ctx, "expo-2026", contactcenter.Agents, 3)
	fmt.Println(agents)

	// The gala cannot have 3 while the expo holds 3 of 5.
	_, err := p.Set(ctx, "gala-2026", contactcenter.Agents, 3)
	fmt.Println(errors.Is(err, contactcenter.ErrQuota))
	fmt.Println(err)

	// Once the expo scales down (releasing its newest agent), it can.
	agents, _ = p.Set(ctx, "expo-2026", contactcenter.Agents, 2)
	fmt.Println(agents)
	agents, _ = p.Set(ctx, "gala-2026", contactcenter.Agents, 3)
	fmt.Println(agents)
	fmt.Println(p.Total(contactcenter.Agents), "agents held")

	// After the expo closes, nothing of it is left.
	_, _ = p.Set(ctx, "expo-2026", contactcenter.Agents, 0)
	left, _ := p.Inventory(ctx, "expo-2026")
	fmt.Println(len(left), "items left")
	// Output:
	// [{agents agent-expo-2026-000001} {agents agent-expo-2026-000002} {agents agent-expo-2026-000003}]
	// true
	// memprovisioner: service "gala-2026": 3 agents wanted, 0 held, 2 of 5 free in the account: contactcenter: quota exceeded
	// [{agents agent-expo-2026-000001} {agents agent-expo-2026-000002}]
	// [{agents agent-gala-2026-000001} {agents agent-gala-2026-000002} {agents agent-gala-2026-000003}]
	// 5 agents held
	// 0 items left
}
