"""All reads and writes: plain functions, one module per noun; views never touch db.session."""
