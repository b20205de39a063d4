using BenchmarkDotNet.Running;

namespace InstantIdAvatars.Benchmarks
{
    public static class Program
    {
        /// <summary>Runs the benchmarks chosen by BenchmarkDotNet's own arguments (e.g. --filter '*Scrfd*').</summary>
        public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
