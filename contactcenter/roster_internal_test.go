package contactcenter

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A person keeps the seat they held while it is still held; the others
// take the free seats in order, and nobody shares one.
func TestAssignSeats(t *testing.T) {
	before := []Person{{ID: "ann", Seat: "s2"}, {ID: "bob", Seat: "s9"}}
	people := []Person{{ID: "ann"}, {ID: "bob"}, {ID: "cat"}}
	seats := []Item{{ID: "s1"}, {ID: "s2"}, {ID: "s3"}}
	got := assignSeats(before, people, seats)
	assert.Equal(t, []Person{{ID: "ann", Seat: "s2"}, {ID: "bob", Seat: "s1"}, {ID: "cat", Seat: "s3"}}, got,
		"ann keeps s2; bob's s9 is gone, so he takes the first free seat")
	assert.Equal(t, []Person{{ID: "ann", Seat: "s2"}, {ID: "bob"}}, assignSeats(nil, []Person{{ID: "ann", Seat: "s2"}, {ID: "bob"}}, seats[1:2]),
		"more people than seats: the last has none")
}
