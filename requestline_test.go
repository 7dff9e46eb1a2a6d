package opentok

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestLineIsOriginForm(t *testing.T) {
	var uri string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uri = r.RequestURI
		serveJSON(w, 200, `{"id":"x"}`)
	}))
	defer ts.Close()
	ot := credKinds()[0].client(t, ts.URL+"/base%20path")
	_, err := ot.GetArchive(context.Background(), "a/b c")
	require.NoError(t, err)
	assert.Equal(t, "/base%20path/v2/project/123456/archive/a%2Fb%20c", uri)
}
