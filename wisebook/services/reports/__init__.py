"""What the books say: the trial balance, grand livre and journals (ledgers), the SYSCOHADA
statements, the FEC, the dashboard, and the database side of exports."""
