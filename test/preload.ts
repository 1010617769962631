// Tests log at warn unless LOG_LEVEL says otherwise, so a failing run is readable.
process.env.LOG_LEVEL ??= "warn";
