"""The analysis a manager asks for (issue 13): calls, team, satisfaction, factors,
lifecycle and market. Each module turns the data of a period into one `Analysis` read
model (model.py); the faces draw it, and the statistics libraries load only in the modules
that fit models (factors, market's forecast, lifecycle's deal drivers)."""
