"""Posts, replies, reactions and outcomes: routes, API, no-JavaScript pages, and the domain;
storage is behind `persistence`."""
