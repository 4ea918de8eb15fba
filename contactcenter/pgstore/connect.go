package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvURL is the environment variable that holds the connection string of
// the PostgreSQL server the tests and examples use, e.g.
// postgres://postgres@127.0.0.1:5432/eventcc_test?sslmode=disable.
const EnvURL = "EVENTCC_POSTGRES_URL"

// Connect returns a pool on url whose connections use schema (created if
// absent) as their search_path, so one database can hold several
// deployments, or one per test. An empty schema keeps the server's
// search_path. The caller closes the pool.
func Connect(ctx context.Context, url, schema string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connect: %w", err)
	}
	if schema != "" {
		conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
		if err != nil {
			return nil, fmt.Errorf("pgstore: connect: %w", err)
		}
		_, err = conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{schema}.Sanitize())
		conn.Close(ctx)
		if err != nil {
			return nil, fmt.Errorf("pgstore: create schema %q: %w", schema, err)
		}
		cfg.ConnConfig.RuntimeParams["search_path"] = schema
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connect: %w", err)
	}
	return pool, nil
}

// DropSchema drops schema and everything in it, through pool.
func DropSchema(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	if _, err := pool.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
		return fmt.Errorf("pgstore: drop schema %q: %w", schema, err)
	}
	return nil
}
