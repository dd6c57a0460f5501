"""Teaching: exercises with answer keys, worksheets, the teachers' guide and the glossary.

`exercises` loads and checks the exercises in `exercises/` (and runs their replications);
`teaching` writes the texts (Swedish and English) from them and from `data/` (glossary, claims).
X
"""
