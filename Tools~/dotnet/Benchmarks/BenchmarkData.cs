using System;
using System.IO;

namespace InstantIdAvatars.Benchmarks
{
    /// <summary>Locates the package's Tests/Fixtures folder from the benchmark's output folder.</summary>
    static class BenchmarkData
    {
        public static string Path(string relative)
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                var fixtures = System.IO.Path.Combine(dir.FullName, "Tests", "Fixtures");
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "package.json")) && Directory.Exists(fixtures))
                    return System.IO.Path.Combine(fixtures, relative);
            }
            throw new DirectoryNotFoundException("Tests/Fixtures not found above " + AppContext.BaseDirectory);
        }
    }
}
