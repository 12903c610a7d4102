from pds_plan.cli.app import main

main()
