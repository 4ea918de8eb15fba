package memaccess_test

import (
	"context"
	"fmt"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
)

func ExampleNew() {
	ctx := context.Background()
	s := memaccess.New()

	start := time.Date(2030, time.May, 1, 8, 0, 0, 0, time.UTC)
	end := time.Date(2030, time.May, 3, 20, 0, 0, 0, time.UTC) // term end + grace
	for _, who := range []string{"ann", "bob"} {
		_, err := s.Create(ctx, access.Grant{
			ID:         "expo-2030/" + who,
			ServiceID:  "expo-2030",
			Principal:  who,
			Role:       "agent",
			Privileges: []access.Privilege{"engagement.handle"},
			NotBefore:  start,
			NotAfter:   end,
		})
		if err != nil {
			fmt.Println(err)
			return
		}
	}

	// The closing plan revokes every grant of the service.
	n, err := s.RevokeService(ctx, "expo-2030", end)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("revoked:", n)

	grants, err := s.ListByService(ctx, "expo-2030")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range grants {
		fmt.Println(g.ID, "revoked:", g.Revoked, "revision:", g.Revision)
	}
	// Output:
	// revoked: 2
	// expo-2030/ann revoked: true revision: 2
	// expo-2030/bob revoked: true revision: 2
}
