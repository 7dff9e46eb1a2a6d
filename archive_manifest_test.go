package opentok

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseArchiveManifest(t *testing.T) {
	m, err := ParseArchiveManifest(callbackFixture(t, "individual-archive-manifest.json"))
	require.NoError(t, err)
	assert.Equal(t, &ArchiveManifest{
		ID:        "297b9c62-78b3-4152-9e98-7e167354c9e6",
		SessionID: "2_MX4xMDB-fjE0MjkzMDQ3NzY3NTZ-WUpRUGVFUmhFSkRmVGljeU5zVnJpaXYxfn4",
		ProjectID: "123456",
		Name:      "archive name",
		CreatedAt: ms(1429305105162),
		Files: []ArchiveManifestFile{
			{
				StreamID:        "a1475893-99f5-4f02-b697-5d69e8e30d19",
				Filename:        "a1475893-99f5-4f02-b697-5d69e8e30d19.webm",
				Size:            5558064,
				StartTimeOffset: 3119 * time.Millisecond,
				StopTimeOffset:  48765 * time.Millisecond,
				VideoType:       VideoCamera,
				ConnectionData:  "connection data for this stream's connection",
			},
			{
				StreamID:        "5ab71b7b-d998-4683-ad2b-7769d6533666",
				Filename:        "5ab71b7b-d998-4683-ad2b-7769d6533666.webm",
				Size:            5396527,
				StartTimeOffset: 2799 * time.Millisecond,
				StopTimeOffset:  48764 * time.Millisecond,
				VideoType:       VideoScreen,
				ConnectionData:  "connection data for this stream's connection",
			},
		},
	}, m)
}

func TestParseArchiveManifestErrors(t *testing.T) {
	for _, body := range []string{"", "null", "[]", `{"files":{}}`, `{"id":`} {
		m, err := ParseArchiveManifest([]byte(body))
		assert.Error(t, err, "%q", body)
		assert.Nil(t, m)
		if err != nil {
			assert.True(t, strings.HasPrefix(err.Error(), "opentok: archive manifest"), err.Error())
		}
	}
	m, err := ParseArchiveManifest([]byte(`{"id":"a","projectId":"7","files":[{"streamId":"s","size":"12","startTimeOffset":"5"}],"new":true}`))
	require.NoError(t, err)
	assert.Equal(t, "7", m.ProjectID)
	require.Len(t, m.Files, 1)
	assert.Equal(t, int64(12), m.Files[0].Size)
	assert.Equal(t, 5*time.Millisecond, m.Files[0].StartTimeOffset)
	assert.Empty(t, m.Files[0].VideoType, "audio-only stream")
}
