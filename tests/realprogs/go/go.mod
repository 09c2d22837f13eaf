module realprogs

go 1.19
