package redisreplay_test

import (
	"context"
	"log"
	"log/slog"
	"net/http"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/contrib/redisreplay"
)

// Every instance of a service behind a load balancer builds its handler on
// the same Redis: a callback replayed to any of them is refused. The error
// handler logs why a callback was refused, a Redis outage included (the
// handler then answers 500 and the platform delivers the callback again).
func ExampleNew() {
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	defer rdb.Close()
	store, err := redisreplay.New(rdb, nil)
	if err != nil {
		log.Fatal(err)
	}
	onEvent := func(ctx context.Context, ev opentok.Event) error {
		if e, ok := ev.(*opentok.ArchiveEvent); ok && e.Status == opentok.ArchiveAvailable {
			slog.Info("archive available", "id", e.ID)
		}
		return nil // a non-nil error answers 500: the platform delivers it again
	}
	http.Handle("/opentok/archive", opentok.NewCallbackHandler(onEvent,
		opentok.WithCallbackSecret(os.Getenv("ARCHIVE_CALLBACK_SECRET")),
		opentok.WithCallbackReplayStore(store),
		opentok.WithCallbackErrorHandler(func(r *http.Request, err error) {
			slog.Error("callback refused", "path", r.URL.Path, "error", err)
		})))
	log.Fatal(http.ListenAndServe(":8080", nil))
}
