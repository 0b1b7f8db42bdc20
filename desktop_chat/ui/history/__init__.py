"""The list of conversations, grouped by date, with search across all of them."""
