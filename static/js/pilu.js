/* Pilu page scripts: progressive enhancement only. */
