"""Extensions of the nianbao crawlers."""
