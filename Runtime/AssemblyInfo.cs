using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("InstantIdAvatars.Tests")]
[assembly: InternalsVisibleTo("InstantIdAvatars.Unity")]
[assembly: InternalsVisibleTo("InstantIdAvatars.Editor")]
[assembly: InternalsVisibleTo("InstantIdAvatars.Cli")]
[assembly: InternalsVisibleTo("InstantIdAvatars.Benchmarks")]
