from dunner.cli import main

main()
