package numbermap

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestCallingCodesArePrefixFree checks what callingCodeLen relies on: no
// code is a prefix of another, and a code's value gives its length.
func TestCallingCodesArePrefixFree(t *testing.T) {
	assert.False(t, callingCodes[0], "no country code is 0")
	count := 0
	for c, ok := range callingCodes {
		if !ok {
			continue
		}
		count++
		s := strconv.Itoa(c)
		for l := 1; l < len(s); l++ {
			p, _ := strconv.Atoi(s[:l])
			assert.False(t, callingCodes[p], "+%d is a prefix of +%s", p, s)
		}
		assert.Equal(t, len(s), callingCodeLen(s+"1234567"), "callingCodeLen of a number with the code +%s", s)
	}
	assert.Equal(t, 215, count, "the codes of phonenumbers v1.8.1 (numberplan's tests check they are the same)")
}
