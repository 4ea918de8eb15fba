package clocktest_test

import (
	"fmt"
	"time"

	"github.com/eventcc/eventcc/contactcenter/clocktest"
)

func Example() {
	clock := clocktest.New(time.Date(2027, 5, 3, 8, 0, 0, 0, time.UTC))
	fmt.Println(clock.Now().Format(time.Kitchen))
	clock.Advance(90 * time.Minute)
	fmt.Println(clock.Now().Format(time.Kitchen))
	clock.Set(time.Date(2027, 5, 3, 9, 0, 0, 0, time.UTC)) // earlier: the clock never goes back
	fmt.Println(clock.Now().Format(time.Kitchen))
	clock.Advance(-time.Hour) // likewise
	fmt.Println(clock.Now().Format(time.Kitchen))
	// Output:
	// 8:00AM
	// 9:30AM
	// 9:30AM
	// 9:30AM
}
