"""Active learning: acquisition functions that choose the next experiments, and a retrospective campaign
benchmark that counts how many experiments each strategy needs to find the best alloy of a family."""
