package sipchannel

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestValidate_ZeroMeansDefault: New validates a Config before it applies
// the defaults, so a zero field, which means "the default", must pass; and
// so must the defaults themselves.
func TestValidate_ZeroMeansDefault(t *testing.T) {
	cfg := Config{Listen: []string{"127.0.0.1:0"}}
	assert.NoError(t, cfg.validate(), "every zero field takes its default: want no problem")
	assert.NoError(t, cfg.withDefaults().validate(), "the defaults are valid values")
}
