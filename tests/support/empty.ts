// Stand-in for `server-only`, which throws when imported outside React Server Components.
export {};
