"""Stand-in for Airflow (not installable here, no PyPI): DAG and the >> dependency operator only."""
import re

_KEY = re.compile(r"^[\w.-]+$")  # airflow.utils.helpers.KEY_REGEX
_DAG_KWARGS = {"dag_id", "description", "schedule", "schedule_interval", "start_date", "end_date", "catchup",
               "max_active_tasks", "max_active_runs", "tags", "params", "default_args", "doc_md",
               "render_template_as_native_obj", "dagrun_timeout"}
_current = []


class DAG:
    def __init__(self, dag_id=None, **kwargs):
        unknown = set(kwargs) - _DAG_KWARGS
        if unknown:
            raise TypeError(f"DAG() got unexpected keyword arguments {sorted(unknown)}")
        self.dag_id = dag_id
        self.kwargs = kwargs
        self.params = kwargs.get("params", {})
        self.task_dict = {}

    def __enter__(self):
        _current.append(self)
        return self

    def __exit__(self, *exc):
        _current.pop()
        return False

    def add(self, task):
        if not _KEY.match(task.task_id) or len(task.task_id) > 250:
            raise ValueError(f"invalid task id {task.task_id!r}")
        if task.task_id in self.task_dict:
            raise ValueError(f"duplicate task id {task.task_id!r}")
        self.task_dict[task.task_id] = task


class BaseOperator:
    _BASE_KWARGS = {"task_id", "trigger_rule", "retries", "retry_delay", "pool", "priority_weight", "queue",
                    "execution_timeout", "owner", "email", "depends_on_past"}
    _OWN_KWARGS = set()

    def __init__(self, **kwargs):
        unknown = set(kwargs) - self._BASE_KWARGS - self._OWN_KWARGS
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword arguments {sorted(unknown)}")
        if not _current:
            raise RuntimeError("operator created outside a `with DAG(...)` block")
        self.task_id = kwargs["task_id"]
        self.trigger_rule = kwargs.get("trigger_rule", "all_success")
        self.kwargs = kwargs
        self.upstream_task_ids = set()
        self.downstream_task_ids = set()
        self.dag = _current[-1]
        self.dag.add(self)

    def _link(self, other):
        for o in other if isinstance(other, (list, tuple)) else [other]:
            self.downstream_task_ids.add(o.task_id)
            o.upstream_task_ids.add(self.task_id)

    def __rshift__(self, other):
        self._link(other)
        return other

    def __rrshift__(self, other):  # [a, b] >> self
        for o in other if isinstance(other, (list, tuple)) else [other]:
            o._link(self)
        return self
