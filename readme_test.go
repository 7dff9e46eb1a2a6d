package opentok_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's migration table names what a Node user looks for, and the
// README does not show API that is gone.
func TestREADMEMigrationTable(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	readme := string(b)
	start := strings.Index(readme, "## Migrating from the Node SDK")
	require.GreaterOrEqual(t, start, 0)
	table := readme[start:]
	table = table[:strings.Index(table, "\n\nBehaviour")]

	row := func(node string) string {
		for _, line := range strings.Split(table, "\n") {
			if strings.HasPrefix(line, "| "+node) {
				return line
			}
		}
		t.Errorf("no row for %s", node)
		return ""
	}
	assert.Contains(t, row("`opentok.apiKey`"), "`ot.OwnerID()`")
	sip := row("`dial(..., { from:")
	assert.Contains(t, sip, "From: \"14155550101@example.com\"")
	assert.Contains(t, sip, "`user@domain`")

	for _, gone := range []string{"NewSecret", "Reveal()", "opentok.Secret", "ArchiveList", "BroadcastList", "ConnectionList"} {
		assert.NotContains(t, readme, gone, "the README shows removed API")
	}
	assert.Regexp(t, regexp.MustCompile(`\*opentok\.Page\[T\]`), readme)
}
