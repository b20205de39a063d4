using System.CommandLine;
namespace InstantIdAvatars.Cli
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            var name = new Option<string>("--name", "-n") { Description = "x", Required = true };
            var root = new RootCommand("test");
            var cmd = new Command("hello", "say hello") { name };
            cmd.SetAction(r => { System.Console.WriteLine("hi " + r.GetValue(name)); return 0; });
            root.Subcommands.Add(cmd);
            return root.Parse(args).Invoke();
        }
    }
}
